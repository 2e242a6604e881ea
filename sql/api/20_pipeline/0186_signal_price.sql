-- Signal "price": 1 inside the user's [price_min, price_max], decaying with the relative
-- distance outside it: exp(-3 r), r = how far out as a share of the violated bound, so 10%
-- over budget still scores 0.74 and double the budget 0.05. An item without a price scores a
-- neutral 0.5: it may be free or "ask for a quote".
CREATE FUNCTION rec._signal_price(p_price numeric, p_min numeric, p_max numeric)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN p_price IS NULL THEN 0.5
        WHEN p_max IS NOT NULL AND p_price > p_max
            THEN rec._decay(3 * ((p_price - p_max) / greatest(p_max, 0.01))::double precision)
        WHEN p_min IS NOT NULL AND p_price < p_min
            THEN rec._decay(3 * ((p_min - p_price) / greatest(p_min, 0.01))::double precision)
        ELSE 1
    END;
$$;
COMMENT ON FUNCTION rec._signal_price(numeric, numeric, numeric) IS
'Internal signal "price": 1 inside the user''s price range, exp(-3 x relative distance) outside, 0.5 without a price.';
