-- Word documents (.docx) join the formats a knowledge document may have.
ALTER TABLE knowledge_documents DROP CONSTRAINT knowledge_documents_format_check;
ALTER TABLE knowledge_documents ADD CONSTRAINT knowledge_documents_format_check
  CHECK (format IN ('markdown', 'text', 'html', 'pdf', 'docx'));
