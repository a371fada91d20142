-- FROZEN: the functions and triggers as migration cases/0005_search_documents installed them
-- (before ``own_search_document``). 0005 installs this file and 0008 reverts to it when it is
-- unapplied; the current definitions are in search_documents.sql. Do not edit.
--
-- Stored search documents of lawsuits, settlements and violations (PostgreSQL only).
--
-- Each record's ``search_document`` is the weighted tsvector public search ranks by: its own
-- text plus the names of the companies and authorities it points at. The triggers below keep
-- it right on every write, whoever writes (services, admin, importers, COPY, raw SQL):
-- a record's own insert or update recomputes it, and a rename of a company or authority, or
-- a change of a lawsuit's title or defendants, recomputes the documents that quote it.
-- Setting a document to NULL recomputes it, so a rebuild is one UPDATE per table.
-- The expressions match cases.search.*_search_vector(), which the drift check compares with.

CREATE OR REPLACE FUNCTION casetrack_defendant_names(lawsuit bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(company.name, ' ' ORDER BY link.company_id)
    FROM cases_lawsuitdefendant link JOIN companies_company company ON company.id = link.company_id
    WHERE link.lawsuit_id = lawsuit
$$;

CREATE OR REPLACE FUNCTION casetrack_lawsuit_document(
    lawsuit bigint, title text, docket_number text, summary text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig,
                                 COALESCE(casetrack_defendant_names(lawsuit), '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(docket_number, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'C')
$$;

CREATE OR REPLACE FUNCTION casetrack_settlement_document(
    lawsuit bigint, summary text, class_description text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, COALESCE(
               (SELECT title FROM cases_lawsuit WHERE id = lawsuit), '')), 'A')
        || setweight(to_tsvector('english'::regconfig,
                                 COALESCE(casetrack_defendant_names(lawsuit), '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(class_description, '')), 'C')
$$;

CREATE OR REPLACE FUNCTION casetrack_violation_document(
    company bigint, authority bigint, description text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, COALESCE(
               (SELECT name FROM companies_company WHERE id = company), '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(
               (SELECT name FROM cases_authority WHERE id = authority), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(
               (SELECT abbreviation FROM cases_authority WHERE id = authority), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'C')
$$;

-- A record's own writes.

CREATE OR REPLACE FUNCTION casetrack_lawsuit_document_set() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := casetrack_lawsuit_document(
        NEW.id, NEW.title, NEW.docket_number, NEW.summary);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION casetrack_settlement_document_set() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := casetrack_settlement_document(
        NEW.lawsuit_id, NEW.summary, NEW.class_description);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION casetrack_violation_document_set() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := casetrack_violation_document(
        NEW.company_id, NEW.authority_id, NEW.description);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS search_document_set ON cases_lawsuit;
CREATE TRIGGER search_document_set
    BEFORE INSERT OR UPDATE OF title, docket_number, summary, search_document ON cases_lawsuit
    FOR EACH ROW EXECUTE FUNCTION casetrack_lawsuit_document_set();

DROP TRIGGER IF EXISTS search_document_set ON cases_settlement;
CREATE TRIGGER search_document_set
    BEFORE INSERT OR UPDATE OF lawsuit_id, summary, class_description, search_document
    ON cases_settlement
    FOR EACH ROW EXECUTE FUNCTION casetrack_settlement_document_set();

DROP TRIGGER IF EXISTS search_document_set ON cases_violation;
CREATE TRIGGER search_document_set
    BEFORE INSERT OR UPDATE OF company_id, authority_id, description, search_document
    ON cases_violation
    FOR EACH ROW EXECUTE FUNCTION casetrack_violation_document_set();

-- Writes elsewhere that documents quote: once per statement, so bulk writes stay bulk.

CREATE OR REPLACE FUNCTION casetrack_lawsuits_refresh(lawsuit_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE cases_lawsuit SET search_document = NULL WHERE id = ANY(lawsuit_ids);
    UPDATE cases_settlement SET search_document = NULL WHERE lawsuit_id = ANY(lawsuit_ids);
$$;

CREATE OR REPLACE FUNCTION casetrack_defendants_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM casetrack_lawsuits_refresh(ARRAY(SELECT DISTINCT lawsuit_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION casetrack_defendants_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM casetrack_lawsuits_refresh(ARRAY(SELECT DISTINCT lawsuit_id FROM old_rows));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION casetrack_defendants_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM casetrack_lawsuits_refresh(ARRAY(
        SELECT lawsuit_id FROM old_rows UNION SELECT lawsuit_id FROM new_rows));
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS search_documents_inserted ON cases_lawsuitdefendant;
CREATE TRIGGER search_documents_inserted AFTER INSERT ON cases_lawsuitdefendant
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION casetrack_defendants_inserted();
DROP TRIGGER IF EXISTS search_documents_deleted ON cases_lawsuitdefendant;
CREATE TRIGGER search_documents_deleted AFTER DELETE ON cases_lawsuitdefendant
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION casetrack_defendants_deleted();
DROP TRIGGER IF EXISTS search_documents_updated ON cases_lawsuitdefendant;
CREATE TRIGGER search_documents_updated AFTER UPDATE ON cases_lawsuitdefendant
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION casetrack_defendants_updated();

CREATE OR REPLACE FUNCTION casetrack_lawsuit_titles_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases_settlement SET search_document = NULL WHERE lawsuit_id IN (
        SELECT new_rows.id FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id
        WHERE new_rows.title IS DISTINCT FROM old_rows.title);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS search_documents_title ON cases_lawsuit;
CREATE TRIGGER search_documents_title AFTER UPDATE ON cases_lawsuit
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION casetrack_lawsuit_titles_changed();

CREATE OR REPLACE FUNCTION casetrack_companies_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    renamed bigint[] := ARRAY(
        SELECT new_rows.id FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id
        WHERE new_rows.name IS DISTINCT FROM old_rows.name);
BEGIN
    IF cardinality(renamed) > 0 THEN
        UPDATE cases_violation SET search_document = NULL WHERE company_id = ANY(renamed);
        PERFORM casetrack_lawsuits_refresh(ARRAY(
            SELECT DISTINCT lawsuit_id FROM cases_lawsuitdefendant
            WHERE company_id = ANY(renamed)));
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS search_documents_renamed ON companies_company;
CREATE TRIGGER search_documents_renamed AFTER UPDATE ON companies_company
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION casetrack_companies_renamed();

CREATE OR REPLACE FUNCTION casetrack_authorities_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cases_violation SET search_document = NULL WHERE authority_id IN (
        SELECT new_rows.id FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id
        WHERE new_rows.name IS DISTINCT FROM old_rows.name
           OR new_rows.abbreviation IS DISTINCT FROM old_rows.abbreviation);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS search_documents_renamed ON cases_authority;
CREATE TRIGGER search_documents_renamed AFTER UPDATE ON cases_authority
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION casetrack_authorities_renamed();
