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
MATCH (b:Entity {id: $id})<-[t]-(a)
WHERE type(t) IN $taskingTypes
// The walk starts from the tasker, found through the id index, never from every
// State: the path runs tasker -> state, so hop i, read from the state's side, is
// hop length(p) - 1 - i, whose near end is nodes(p)[i + 1].
MATCH p = (a)-[*0..4]-(s)
WHERE s:State
  AND all(i IN range(0, length(p) - 1) WHERE
        (type(relationships(p)[i]) IN $reachForward AND startNode(relationships(p)[i]) = nodes(p)[i + 1])
     OR (type(relationships(p)[i]) IN $reachBackward AND endNode(relationships(p)[i]) = nodes(p)[i + 1]))
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
WITH s, a, t, b, reverse(nodes(p)) AS ns, reverse(relationships(p)) AS rs
ORDER BY size(rs), reduce(k = '', n IN ns | k + ' ' + n.id),
         reduce(k = '', r IN rs | k + ' ' + type(r))
WITH s, a, t, b, collect({ns: ns, rs: rs})[0] AS route
WITH s, a, t, b, route.ns AS ns, route.rs AS rs
RETURN s {.id, .kind, .name, .country} AS state,
       [n IN ns | n {.id, .kind, .name, .country}] AS via,
       [i IN range(0, size(rs) - 1) | {
          source: startNode(rs[i]).id,
          target: endNode(rs[i]).id,
          type: type(rs[i]),
          direction: CASE WHEN startNode(rs[i]) = ns[i] THEN 'forward' ELSE 'backward' END,
          grading: rs[i].grading,
          since: rs[i].since,
          until: rs[i].until,
          note: rs[i].note,
          sources: rs[i].sources}] AS route,
       {source: a.id, target: b.id, type: type(t), direction: 'forward', grading: t.grading,
        since: t.since, until: t.until, note: t.note, sources: t.sources} AS link,
       b {.id, .kind, .name, .country} AS tasked
ORDER BY state.id, size(route), link.source, link.type
