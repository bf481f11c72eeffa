// Backers of an actor: which states stand behind it, and how.
//
// The inverse of taskings.cypher: the tasking links (TASKS, PAYS, DIRECTS,
// SPONSORS, USES_AS_PROXY, TOLERATES) that end at the actor $id, each with every
// state whose own side reaches the tasker (the state itself, its agencies and
// officers, the actors it tasks...; at most 4 hops, crossed as proxy chains cross
// them) and the shortest such route. An actor tasked by Wagner, which Russia
// uses as a proxy, has Russia behind it through Wagner. The route may pass
// through the actor itself (a recruit paid by the man he recruited): it is the
// tasker's route, and taskings.cypher lists the same link.
// @param id: "evil-corp"
// @param taskingTypes: ["TASKS", "DIRECTS", "PAYS", "USES_AS_PROXY", "SPONSORS", "TOLERATES"]
// @param reachForward: ["TASKS", "DIRECTS", "PAYS", "USES_AS_PROXY", "SPONSORS", "LEADS"]
// @param reachBackward: ["PART_OF", "MEMBER_OF"]
MATCH (a:Entity)-[t]->(b:Entity {id: $id})
WHERE type(t) IN $taskingTypes
MATCH p = (s:State)-[*0..4]-(a)
WHERE all(i IN range(0, length(p) - 1) WHERE
        (type(relationships(p)[i]) IN $reachForward AND startNode(relationships(p)[i]) = nodes(p)[i])
     OR (type(relationships(p)[i]) IN $reachBackward AND endNode(relationships(p)[i]) = nodes(p)[i]))
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
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
ORDER BY state.id, size(route), link.source, link.type
