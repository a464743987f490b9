LOAD <http://127.0.0.1:9/graph.ttl>
