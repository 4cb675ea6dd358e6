-- The app's database role on AWS: `hello_app`, NOLOGIN, holding exactly what the service needs
-- (read and write its table; no DDL, no DELETE). The logins the service connects with are members of it
-- (`hello_app_login` and the `_clone` that Secrets Manager's alternating-users rotation creates), so
-- they inherit these privileges; the owner (RDS master) runs the migrations (docs/infra.md).
-- Where no such role can be made (a plain install whose one database user may not create roles), the
-- service connects as the table's owner and needs no grants: nothing to do.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hello_app') THEN
    BEGIN
      CREATE ROLE hello_app NOLOGIN;
    EXCEPTION
      -- Roles belong to the server: another database's migration created it meanwhile.
      WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE NOTICE 'role hello_app not created (no CREATEROLE): the service must connect as the owner';
        RETURN;
    END;
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO hello_app', current_schema());
  GRANT SELECT, INSERT, UPDATE ON users TO hello_app;
END
$$;
