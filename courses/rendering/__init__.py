"""What courses render for people to read: lesson bodies (Markdown to sanitised HTML) and the
class-hour transcript as a PDF. Presentation, not reads or writes, so neither selectors nor
services; ``courses.services`` re-exports ``pdf_font`` for the certificate PDF."""
