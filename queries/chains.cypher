// Proxy chains: how a state reaches the actors that act for it and their targets.
//
// A chain is read from the state outwards. Each hop crosses one link the way the
// domain declaration says (graph/domain.py): a FORWARD relation along its arrow
// (the state TASKS the group), a BACKWARD one against it (from the state to the
// agency that is PART_OF it, from a group to its MEMBER_OF). Once the chain has
// crossed an act hop (TARGETS, PERPETRATED, ATTRIBUTED_TO) it goes on only along
// act hops, and a TARGETS hop ends it: a target is where a chain stops.
// A chain holds at least one tasking hop (TASKS, PAYS...) or act hop, never
// repeats a node, and is maximal: it cannot be carried one more hop (within the
// bound), so no chain listed is the beginning of another.
//
// Every hop must meet $minGrading in both Admiralty dimensions (null: any) and be
// in force on $asOf (an ISO day; null: any time). $targetCountry keeps chains
// whose last entity has that country; $crime those with an entity of that crime
// type. $state is an entity id, looked up through the unique id index; for every
// state, `statecrime chains` runs the same text starting from MATCH (s:State).
//
// Only the relation types a chain may cross are walked (the pattern names them:
// the FORWARD and BACKWARD types of the domain), each only the way a chain may
// cross it (the quantified pattern's WHERE, checked at every step of the walk,
// not after it), so context and noise links, and links the wrong way round,
// cost nothing. The bound 4 in the pattern is the longest chain
// searched (Cypher takes no parameter there): to search longer chains, edit it
// AND set $maxHops to the same number. The type lists are the domain's;
// `statecrime chains` passes them.
// @param state: "ru"
// @param maxHops: 4
// @param forwardTypes: ["TASKS", "DIRECTS", "PAYS", "USES_AS_PROXY", "SPONSORS", "LEADS", "TARGETS", "PERPETRATED"]
// @param backwardTypes: ["PART_OF", "MEMBER_OF", "ATTRIBUTED_TO"]
// @param actTypes: ["TARGETS", "PERPETRATED", "ATTRIBUTED_TO"]
// @param endTypes: ["TARGETS"]
// @param taskingTypes: ["TASKS", "DIRECTS", "PAYS", "USES_AS_PROXY", "SPONSORS", "TOLERATES"]
// @param minGrading: null
// @param asOf: null
// @param targetCountry: null
// @param crime: null
// @param limit: 1000
MATCH (s:Entity {id: $state})
MATCH p = (s) ((here)-[step:TASKS|DIRECTS|PAYS|USES_AS_PROXY|SPONSORS|LEADS|TARGETS|PERPETRATED|PART_OF|MEMBER_OF|ATTRIBUTED_TO]-(:Entity)
  WHERE (type(step) IN $forwardTypes AND startNode(step) = here)
     OR (type(step) IN $backwardTypes AND endNode(step) = here)){1,4} (x:Entity)
WHERE length(p) <= $maxHops
  // each hop crossed as declared: forward from node i, or backward into node i
  AND all(i IN range(0, length(p) - 1) WHERE
        (type(relationships(p)[i]) IN $forwardTypes AND startNode(relationships(p)[i]) = nodes(p)[i])
     OR (type(relationships(p)[i]) IN $backwardTypes AND endNode(relationships(p)[i]) = nodes(p)[i]))
  // a simple path: no entity twice
  AND all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..])
  // after an act hop only act hops, and nothing after a target
  AND all(i IN range(0, length(p) - 2) WHERE
        NOT type(relationships(p)[i]) IN $actTypes
     OR (type(relationships(p)[i + 1]) IN $actTypes AND NOT type(relationships(p)[i]) IN $endTypes))
  // a proxy chain: somebody is tasked, paid, directed... or something is done
  AND any(r IN relationships(p) WHERE type(r) IN $taskingTypes OR type(r) IN $actTypes)
  // every hop graded at least $minGrading (F and 6, "cannot be judged", never pass)
  AND all(r IN relationships(p) WHERE $minGrading IS NULL
     OR (left(r.grading, 1) <= left($minGrading, 1) AND right(r.grading, 1) <= right($minGrading, 1)
         AND left(r.grading, 1) <> 'F' AND right(r.grading, 1) <> '6'))
  // every hop in force on $asOf
  AND all(r IN relationships(p) WHERE $asOf IS NULL
     OR ((r.sinceFirst IS NULL OR r.sinceFirst <= $asOf) AND (r.untilLast IS NULL OR r.untilLast >= $asOf)))
WITH p, x, last(relationships(p)) AS lastHop
// maximal: no hop the same rules allow carries the chain further
WHERE (length(p) >= $maxHops OR NOT EXISTS {
        MATCH (x)-[r:TASKS|DIRECTS|PAYS|USES_AS_PROXY|SPONSORS|LEADS|TARGETS|PERPETRATED|PART_OF|MEMBER_OF|ATTRIBUTED_TO]-(y:Entity)
        WHERE NOT y IN nodes(p)
          AND ((type(r) IN $forwardTypes AND startNode(r) = x)
            OR (type(r) IN $backwardTypes AND endNode(r) = x))
          AND (NOT type(lastHop) IN $actTypes
            OR (type(r) IN $actTypes AND NOT type(lastHop) IN $endTypes))
          AND ($minGrading IS NULL
            OR (left(r.grading, 1) <= left($minGrading, 1) AND right(r.grading, 1) <= right($minGrading, 1)
                AND left(r.grading, 1) <> 'F' AND right(r.grading, 1) <> '6'))
          AND ($asOf IS NULL
            OR ((r.sinceFirst IS NULL OR r.sinceFirst <= $asOf) AND (r.untilLast IS NULL OR r.untilLast >= $asOf)))
      })
  AND ($targetCountry IS NULL OR x.country = $targetCountry)
  AND ($crime IS NULL OR any(n IN nodes(p) WHERE $crime IN coalesce(n.crimeTypes, [])))
WITH p, relationships(p) AS rels, nodes(p) AS ns
WITH ns, rels,
     // the chain's grading: the worst letter with the worst digit of its hops
     reduce(w = 'A', r IN rels | CASE WHEN left(r.grading, 1) > w THEN left(r.grading, 1) ELSE w END)
     + reduce(w = '1', r IN rels | CASE WHEN right(r.grading, 1) > w THEN right(r.grading, 1) ELSE w END)
     AS grading,
     // a stable tie-breaker: the entities and relation types in order
     reduce(k = ns[0].id, i IN range(0, size(rels) - 1) | k + ' ' + type(rels[i]) + ' ' + ns[i + 1].id)
     AS key
RETURN [n IN ns | n {.id, .kind, .name, .country, .crimeTypes}] AS nodes,
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
       grading,
       key
ORDER BY grading, size(hops), key
LIMIT $limit
