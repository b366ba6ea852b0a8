-- Every replicated table (the pglogical 'default' set), with its row count and an md5 of
-- its rows in a fixed order: run on both hosts, the output must be the same.
-- The heartbeat table and the mail senders' leases change every second by design, so they
-- are left out.
SELECT format('SELECT %L AS table_name, count(*) AS rows, '
              'md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) AS checksum '
              'FROM %s t', rst.set_reloid::regclass, '|', '', rst.set_reloid::regclass)
FROM pglogical.replication_set_table rst
JOIN pglogical.replication_set rs USING (set_id)
WHERE rs.set_name = 'default'
  AND rst.set_reloid NOT IN ('public.replication_heartbeat'::regclass,
                            'public.mail_senderlease'::regclass)
ORDER BY rst.set_reloid::regclass::text
\gexec
