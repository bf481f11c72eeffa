// Every connection between two entities up to 4 hops: simple paths (no entity
// twice) through links of any type but those in $excludeTypes, crossed in
// either direction, shortest first.
// The bound 4 in the pattern is the longest path searched: edit it to search
// longer ones (Cypher takes no parameter there; `statecrime paths --max-hops`
// does it for you).
// @param fromId: "evil-corp"
// @param toId: "ru"
// @param excludeTypes: []
// @param limit: 1000
MATCH (a:Entity {id: $fromId})
MATCH (b:Entity {id: $toId})
MATCH p = (a)-[*1..4]-(b)
WHERE all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
  AND none(r IN relationships(p) WHERE type(r) IN $excludeTypes)
WITH nodes(p) AS ns, relationships(p) AS rels
WITH ns, rels,
     reduce(k = ns[0].id, i IN range(0, size(rels) - 1) | k + ' ' + type(rels[i]) + ' ' + ns[i + 1].id)
     AS key
RETURN [n IN ns | n {.id, .kind, .name, .country}] AS nodes,
       [i IN range(0, size(rels) - 1) | {
          source: startNode(rels[i]).id,
          target: endNode(rels[i]).id,
          type: type(rels[i]),
          direction: CASE WHEN startNode(rels[i]) = ns[i] THEN 'forward' ELSE 'backward' END,
          grading: rels[i].grading,
          since: rels[i].since,
          until: rels[i].until,
          note: rels[i].note,
          sources: rels[i].sources}] AS hops,
       key
ORDER BY size(hops), key
LIMIT $limit
