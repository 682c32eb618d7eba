"""One pydantic model per API object: it checks the request, shapes the answer and is the document."""
