// Which document formats the knowledge base reads, and the error a file it cannot take is refused with.

export const DOCUMENT_FORMATS = ['markdown', 'text', 'html', 'pdf', 'docx'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

const EXTENSIONS: Record<string, DocumentFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.text': 'text',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
};

const MEDIA_TYPES: Record<string, DocumentFormat> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
};

export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS);

/** Why a document was refused: the API maps too_large to 413, unsupported to 415, the rest to 422. */
export type InputProblem = 'too_large' | 'unsupported' | 'unreadable' | 'empty';

/** A document the owner gave that cannot be ingested; the message names the file and the reason. */
export class KnowledgeInputError extends Error {
  readonly problem: InputProblem;
  constructor(problem: InputProblem, message: string) {
    super(message);
    this.name = 'KnowledgeInputError';
    this.problem = problem;
  }
}

/** The format of `name` by its extension, else by its media type; throws `unsupported` naming both. */
export function detectFormat(name: string, mediaType?: string): DocumentFormat {
  const extension = /\.[^./\\]+$/.exec(name.toLowerCase())?.[0];
  const byExtension = extension ? EXTENSIONS[extension] : undefined;
  if (byExtension) return byExtension;
  const byType = mediaType ? MEDIA_TYPES[mediaType.split(';')[0]!.trim().toLowerCase()] : undefined;
  if (byType) return byType;
  const what = extension ? `"${extension}" files` : mediaType ? `${mediaType} content` : 'files without an extension';
  throw new KnowledgeInputError('unsupported', `${name}: ${what} are not supported; use ${SUPPORTED_EXTENSIONS.join(', ')}`);
}
