INSERT DATA { GRAPH <urn:x-hostile:g> { <urn:x-hostile:s> <urn:x-hostile:p> 1 } }
