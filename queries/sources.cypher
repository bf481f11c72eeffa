// The Source records (publisher, title, date, url) behind a set of links: pass
// the ids the links list in their `sources` property.
// @param ids: ["src-ofac-2019-12-05-evil-corp"]
MATCH (s:Source)
WHERE s.id IN $ids
RETURN s.id AS id, s.publisher AS publisher, s.title AS title, s.date AS date, s.url AS url,
       s.sourceType AS sourceType
ORDER BY id
