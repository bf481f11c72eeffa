// Cross-nationality proxies: actors tasked on a state's side whose nationality
// differs from the state's: the pattern the NCA singled out in 2023 (hostile
// states using criminals "not always of the same nationality" as proxies).
//
// Taskings as in taskings.cypher (the state, or an actor on its side, tasks,
// pays, directs, sponsors or uses the actor as a proxy; tolerance is not use),
// kept when both the state and the tasked actor have a country and the two
// differ. Actors with no country recorded (classes of actors, unknowns) are
// left out: their nationality is not established.
// @param state: null
// @param proxyTypes: ["TASKS", "DIRECTS", "PAYS", "USES_AS_PROXY", "SPONSORS"]
// @param reachForward: ["TASKS", "DIRECTS", "PAYS", "USES_AS_PROXY", "SPONSORS", "LEADS"]
// @param reachBackward: ["PART_OF", "MEMBER_OF"]
MATCH (s:State)
WHERE ($state IS NULL OR s.id = $state) AND s.country IS NOT NULL
MATCH p = (s)-[*0..4]-(a:Entity)
WHERE all(i IN range(0, length(p) - 1) WHERE
        (type(relationships(p)[i]) IN $reachForward AND startNode(relationships(p)[i]) = nodes(p)[i])
     OR (type(relationships(p)[i]) IN $reachBackward AND endNode(relationships(p)[i]) = nodes(p)[i]))
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
MATCH (a)-[t]->(b:Entity)
WHERE type(t) IN $proxyTypes
  AND b.country IS NOT NULL AND b.country <> s.country
WITH s, a, t, b, p
ORDER BY length(p), reduce(k = '', n IN nodes(p) | k + ' ' + n.id),
         reduce(k = '', r IN relationships(p) | k + ' ' + type(r))
WITH s, a, t, b, collect(p)[0] AS route
RETURN s {.id, .kind, .name, .country} AS state,
       [n IN nodes(route) | n {.id, .kind, .name, .country}] AS via,
       [i IN range(0, length(route) - 1) | {
          source: startNode(relationships(route)[i]).id,
          target: endNode(relationships(route)[i]).id,
          type: type(relationships(route)[i]),
          direction: CASE WHEN startNode(relationships(route)[i]) = nodes(route)[i]
                          THEN 'forward' ELSE 'backward' END,
          grading: relationships(route)[i].grading,
          since: relationships(route)[i].since,
          until: relationships(route)[i].until,
          note: relationships(route)[i].note,
          sources: relationships(route)[i].sources}] AS route,
       {source: a.id, target: b.id, type: type(t), direction: 'forward', grading: t.grading,
        since: t.since, until: t.until, note: t.note, sources: t.sources} AS link,
       b {.id, .kind, .name, .country} AS tasked
ORDER BY state.id, tasked.id, size(route), link.source, link.type
