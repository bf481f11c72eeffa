// The network the analyses run on (brokers, communities): every entity but the
// Source records, each with its outgoing links except those of the types in
// $excludeTypes. SANCTIONED_BY and BASED_IN are left out by default: a
// designating state or a country of residence joins hundreds of entities that
// have nothing to do with one another, and would pass for the greatest broker.
// @param excludeTypes: ["SANCTIONED_BY", "BASED_IN"]
MATCH (n:Entity)
WHERE NOT n:Source
OPTIONAL MATCH (n)-[r]->(m:Entity)
WHERE NOT type(r) IN $excludeTypes
WITH n, collect(CASE WHEN r IS NULL THEN null
                     ELSE {type: type(r), target: m.id, grading: r.grading} END) AS links
RETURN n {.id, .kind, .name, .country, .crimeTypes, .isClass} AS node, links
ORDER BY node.id
