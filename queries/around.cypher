// An entity's neighbourhood: every entity within 2 hops of it (either direction,
// through links of every type but the context ones, BASED_IN and SANCTIONED_BY,
// whose hubs would pull in thousands of unrelated entities) and every link among
// them, for the HTML view. `statecrime around` runs the same text with the
// context types in the pattern too when asked to cross them.
// The bound 2 in the pattern is the radius: edit it for a wider or narrower one
// (Cypher takes no parameter there; `statecrime around --hops` does it for you).
// @param id: "evil-corp"
MATCH (c:Entity {id: $id})
OPTIONAL MATCH (c)-[:TASKS|DIRECTS|PAYS|USES_AS_PROXY|SPONSORS|TOLERATES|PART_OF|LEADS|MEMBER_OF|OWNS|ENABLES|LINKED_TO|LAUNDERS_FOR|TARGETS|PERPETRATED|ATTRIBUTED_TO*1..2]-(n:Entity)
WITH c, collect(DISTINCT n) AS others
WITH [c] + [n IN others WHERE n <> c] AS ns
UNWIND ns AS a
OPTIONAL MATCH (a)-[r]->(b:Entity)
WHERE b IN ns
WITH ns, collect(CASE WHEN r IS NULL THEN null
                      ELSE {source: a.id, type: type(r), target: b.id, props: properties(r)} END) AS links
RETURN [n IN ns | properties(n)] AS entities, links
