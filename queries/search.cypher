// Entities whose name or one of whose aliases contains a text, ignoring case.
// Sources are left out: they are evidence, found through the links they support.
// @param text: "fsb"
// @param limit: 25
MATCH (n:Entity)
WHERE n.kind <> 'Source'
  AND (toLower(n.name) CONTAINS toLower($text)
       OR any(alias IN coalesce(n.aliases, []) WHERE toLower(alias) CONTAINS toLower($text))
       OR toLower(n.id) = toLower($text))
RETURN properties(n) AS entity
ORDER BY CASE WHEN toLower(n.name) = toLower($text) OR toLower(n.id) = toLower($text) THEN 0 ELSE 1 END,
         n.name
LIMIT $limit
