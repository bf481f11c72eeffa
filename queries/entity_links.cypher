// One entity and every link touching it, in either direction, with the Source
// records that evidence each link.
// @param id: "ru-fsb"
MATCH (n:Entity {id: $id})
OPTIONAL MATCH (n)-[r]-(other:Entity)
OPTIONAL MATCH (src:Entity:Source) WHERE r IS NOT NULL AND src.id IN r.sources
WITH n, r, other, collect(properties(src)) AS evidence
RETURN properties(n) AS entity,
       CASE WHEN r IS NULL THEN null ELSE {
         source: startNode(r).id,
         type: type(r),
         target: endNode(r).id,
         props: properties(r),
         otherName: other.name,
         otherKind: other.kind,
         evidence: evidence
       } END AS link
