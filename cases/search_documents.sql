-- Stored search documents of lawsuits, settlements and violations (PostgreSQL only).
--
-- Each record stores two weighted tsvectors that public search matches and ranks:
-- ``search_document``, its own text plus the names of the companies and authorities it points
-- at (what a record is found by), and ``own_search_document``, its own text only: title,
-- docket, summary, description, and for a penalty its authority's name, but no company or
-- defendant names (what ranks a record whose own words match above one found only through
-- its company's name). The triggers below keep both right on every write, whoever writes
-- (services, admin, importers, COPY, raw SQL): a record's own insert or update recomputes
-- them, and a rename of a company or authority, or a change of a lawsuit's title or
-- defendants, recomputes the documents that quote it. Setting a document to NULL (or to any
-- other value) recomputes it, so a rebuild is one UPDATE per table.
-- The expressions match cases.search_documents.*_search_vector(), which the drift check
-- compares with.

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

CREATE OR REPLACE FUNCTION casetrack_lawsuit_own_document(
    title text, docket_number text, summary text
) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(docket_number, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'C')
$$;

CREATE OR REPLACE FUNCTION casetrack_settlement_own_document(
    lawsuit bigint, summary text, class_description text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, COALESCE(
               (SELECT title FROM cases_lawsuit WHERE id = lawsuit), '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(class_description, '')), 'C')
$$;

CREATE OR REPLACE FUNCTION casetrack_violation_own_document(
    authority bigint, description text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, COALESCE(
               (SELECT name FROM cases_authority WHERE id = authority), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(
               (SELECT abbreviation FROM cases_authority WHERE id = authority), '')), 'B')
        || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'C')
$$;

-- A record's own writes. On UPDATE a document is recomputed when its inputs change or when
-- the statement sets it (to NULL or to anything else); the other one is left alone, so a
-- company rename (which nulls ``search_document``) does not recompute the own documents, and
-- filling ``own_search_document`` does not recompute the broad ones.

CREATE OR REPLACE FUNCTION casetrack_lawsuit_document_set() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    inputs_changed boolean := TG_OP = 'INSERT'
        OR NEW.title IS DISTINCT FROM OLD.title
        OR NEW.docket_number IS DISTINCT FROM OLD.docket_number
        OR NEW.summary IS DISTINCT FROM OLD.summary;
BEGIN
    IF inputs_changed OR NEW.search_document IS NULL
            OR NEW.search_document IS DISTINCT FROM OLD.search_document THEN
        NEW.search_document := casetrack_lawsuit_document(
            NEW.id, NEW.title, NEW.docket_number, NEW.summary);
    END IF;
    IF inputs_changed OR NEW.own_search_document IS NULL
            OR NEW.own_search_document IS DISTINCT FROM OLD.own_search_document THEN
        NEW.own_search_document := casetrack_lawsuit_own_document(
            NEW.title, NEW.docket_number, NEW.summary);
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION casetrack_settlement_document_set() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    inputs_changed boolean := TG_OP = 'INSERT'
        OR NEW.lawsuit_id IS DISTINCT FROM OLD.lawsuit_id
        OR NEW.summary IS DISTINCT FROM OLD.summary
        OR NEW.class_description IS DISTINCT FROM OLD.class_description;
BEGIN
    IF inputs_changed OR NEW.search_document IS NULL
            OR NEW.search_document IS DISTINCT FROM OLD.search_document THEN
        NEW.search_document := casetrack_settlement_document(
            NEW.lawsuit_id, NEW.summary, NEW.class_description);
    END IF;
    IF inputs_changed OR NEW.own_search_document IS NULL
            OR NEW.own_search_document IS DISTINCT FROM OLD.own_search_document THEN
        NEW.own_search_document := casetrack_settlement_own_document(
            NEW.lawsuit_id, NEW.summary, NEW.class_description);
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION casetrack_violation_document_set() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    inputs_changed boolean := TG_OP = 'INSERT'
        OR NEW.authority_id IS DISTINCT FROM OLD.authority_id
        OR NEW.description IS DISTINCT FROM OLD.description;
BEGIN
    IF inputs_changed OR NEW.company_id IS DISTINCT FROM OLD.company_id
            OR NEW.search_document IS NULL
            OR NEW.search_document IS DISTINCT FROM OLD.search_document THEN
        NEW.search_document := casetrack_violation_document(
            NEW.company_id, NEW.authority_id, NEW.description);
    END IF;
    IF inputs_changed OR NEW.own_search_document IS NULL
            OR NEW.own_search_document IS DISTINCT FROM OLD.own_search_document THEN
        NEW.own_search_document := casetrack_violation_own_document(
            NEW.authority_id, NEW.description);
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS search_document_set ON cases_lawsuit;
CREATE TRIGGER search_document_set
    BEFORE INSERT OR UPDATE OF title, docket_number, summary, search_document,
        own_search_document
    ON cases_lawsuit
    FOR EACH ROW EXECUTE FUNCTION casetrack_lawsuit_document_set();

DROP TRIGGER IF EXISTS search_document_set ON cases_settlement;
CREATE TRIGGER search_document_set
    BEFORE INSERT OR UPDATE OF lawsuit_id, summary, class_description, search_document,
        own_search_document
    ON cases_settlement
    FOR EACH ROW EXECUTE FUNCTION casetrack_settlement_document_set();

DROP TRIGGER IF EXISTS search_document_set ON cases_violation;
CREATE TRIGGER search_document_set
    BEFORE INSERT OR UPDATE OF company_id, authority_id, description, search_document,
        own_search_document
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
    UPDATE cases_settlement SET search_document = NULL, own_search_document = NULL
    WHERE lawsuit_id IN (
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
    UPDATE cases_violation SET search_document = NULL, own_search_document = NULL
    WHERE authority_id IN (
        SELECT new_rows.id FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id
        WHERE new_rows.name IS DISTINCT FROM old_rows.name
           OR new_rows.abbreviation IS DISTINCT FROM old_rows.abbreviation);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS search_documents_renamed ON cases_authority;
CREATE TRIGGER search_documents_renamed AFTER UPDATE ON cases_authority
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION casetrack_authorities_renamed();
