// The dated record around some entities: the links touching them that carry a
// date (since or until), and the dated incidents among them or next to them.
// With $chain true only links between two of the entities count, and only
// incidents among them: the timeline of one chain, given its entities' ids.
// @param ids: ["evil-corp"]
// @param chain: false
MATCH (n:Entity)
WHERE n.id IN $ids
OPTIONAL MATCH (n)-[r]-(m:Entity)
WHERE NOT $chain OR m.id IN $ids
WITH collect(DISTINCT r) AS rels, collect(DISTINCT n) + collect(DISTINCT m) AS near
RETURN [r IN rels WHERE r.since IS NOT NULL OR r.until IS NOT NULL | {
          source: startNode(r).id, target: endNode(r).id, type: type(r),
          sourceName: startNode(r).name, targetName: endNode(r).name,
          grading: r.grading, since: r.since, until: r.until, note: r.note, sources: r.sources}]
       AS links,
       [i IN near WHERE i:Incident AND i.date IS NOT NULL |
          i {.id, .name, .date, .country, .crimeTypes, .description, .sources}] AS incidents
