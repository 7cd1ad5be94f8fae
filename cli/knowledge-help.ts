// The help text of `phone-assistant knowledge`, apart so that --help loads none of the knowledge code.

export const KNOWLEDGE_HELP = `Commands of knowledge:
  knowledge add <files or folders>...   add documents (.md, .txt, .html, .pdf, .docx); a document added
                                        again under the same name replaces the old one, unchanged ones
                                        are skipped
  knowledge list                        the documents, their ids and passages
  knowledge remove <id>                 remove a document
  knowledge search "<query>" [--language xx] [--limit n]
                                        the passages the assistant would be given, ranked, with scores
  knowledge reindex [--all]             re-embed documents made with another EMBEDDING_MODEL (--all: every one)
  While a server runs on the embedded database (DATA_DIR), these go through its API: set the same API_KEY.
`;
