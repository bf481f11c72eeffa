// An entity's neighbourhood: every entity within 2 hops of it (links of any
// type, either direction, but not across the context relations in $skip) and
// every link among them, for the HTML view.
// The bound 2 in the pattern is the radius: edit it for a wider or narrower one
// (Cypher takes no parameter there; `statecrime around --hops` does it for you).
// $skip lists relations that give context rather than connection (SANCTIONED_BY,
// BASED_IN: every sanctioned group meets at the sanctioning state); [] crosses all.
// @param id: "evil-corp"
// @param skip: ["SANCTIONED_BY", "BASED_IN"]
MATCH (c:Entity {id: $id})
OPTIONAL MATCH p = (c)-[*1..2]-(n:Entity)
WHERE none(r IN relationships(p) WHERE type(r) IN $skip)
WITH c, collect(DISTINCT n) AS others
WITH [c] + [n IN others WHERE n <> c] AS ns
UNWIND ns AS a
OPTIONAL MATCH (a)-[r]->(b:Entity)
WHERE b IN ns
WITH ns, collect(CASE WHEN r IS NULL THEN null
                      ELSE {source: a.id, type: type(r), target: b.id, props: properties(r)} END) AS links
RETURN [n IN ns | properties(n)] AS entities, links
