// Taskings by state: who tasks, pays, directs, sponsors, uses as proxy or
// tolerates whom, on the side of each state.
//
// A tasking link (tasker)-[TASKS|PAYS|...]->(tasked) belongs to a state when
// the state reaches the tasker along its own side: itself, its agencies (back
// along PART_OF), their officers (back along MEMBER_OF), and the actors it or
// they task, lead or sponsor, each link crossed the way proxy chains cross it
// (see chains.cypher), at most 4 hops. So Wagner's tasking of a British
// recruiter is listed under Russia, which uses Wagner as a proxy. Each tasking
// comes once per state, with the shortest route from the state to the tasker.
// $state is a state's id (null: every state).
// @param state: "ru"
// @param taskingTypes: ["TASKS", "DIRECTS", "PAYS", "USES_AS_PROXY", "SPONSORS", "TOLERATES"]
// @param reachForward: ["TASKS", "DIRECTS", "PAYS", "USES_AS_PROXY", "SPONSORS", "LEADS"]
// @param reachBackward: ["PART_OF", "MEMBER_OF"]
MATCH (s:State)
WHERE $state IS NULL OR s.id = $state
MATCH p = (s)-[*0..4]-(a:Entity)
WHERE all(i IN range(0, length(p) - 1) WHERE
        (type(relationships(p)[i]) IN $reachForward AND startNode(relationships(p)[i]) = nodes(p)[i])
     OR (type(relationships(p)[i]) IN $reachBackward AND endNode(relationships(p)[i]) = nodes(p)[i]))
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
MATCH (a)-[t]->(b:Entity)
WHERE type(t) IN $taskingTypes
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
ORDER BY state.id, size(route), link.source, link.type, link.target
