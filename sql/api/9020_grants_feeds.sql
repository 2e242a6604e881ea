-- Feeds (issue 4): read functions for applications, freshness for operators.
GRANT EXECUTE ON FUNCTION
    rec.trending(integer, integer, interval, text, text[]),
    rec.latest(integer, integer, text[]),
    rec.similar_items(text, integer, text),
    rec.nearby(double precision, double precision, double precision, integer, text),
    rec.search(text, integer, text, public.vector),
    rec.next_items(text, integer),
    rec.learning_path(text, text[]),
    rec.session_feed(text[], integer),
    rec.user_stats(text)
TO pgrec_app;

GRANT EXECUTE ON FUNCTION
    rec.refresh_status()
TO pgrec_admin;
