// The shortest connections between two entities, through links of any type
// crossed in either direction: every path of the least length, up to 10 hops.
// A hop's direction says whether the path follows the link's arrow (forward)
// or goes against it (backward). No type is left out here: a path filter inside
// allShortestPaths is applied during the search by Neo4j but after it by the
// embedded store, so the two would disagree (paths_all.cypher takes $excludeTypes).
// @param fromId: "evil-corp"
// @param toId: "ru"
MATCH (a:Entity {id: $fromId})
MATCH (b:Entity {id: $toId})
MATCH p = allShortestPaths((a)-[*..10]-(b))
WITH nodes(p) AS ns, relationships(p) AS rels
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
       reduce(k = ns[0].id, i IN range(0, size(rels) - 1) | k + ' ' + type(rels[i]) + ' ' + ns[i + 1].id)
       AS key
ORDER BY key
