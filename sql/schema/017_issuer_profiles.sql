-- 017_issuer_profiles: what an issuer says about itself beyond its name (W3C credentials name
-- the issuer by its DID and show this profile): a web page, a logo, the domain it claims, and
-- when ddcd last found that domain serving the issuer's DID document with the issuer's keys over
-- HTTPS (NULL: never, or the domain changed since). Every change is also a profile_set account
-- event in the log.
CREATE TABLE issuer_profiles (
  issuer_id         bigint PRIMARY KEY REFERENCES accounts (id),
  url               text CHECK (length(url) BETWEEN 1 AND 500),
  logo_url          text CHECK (length(logo_url) BETWEEN 1 AND 500),
  domain            text CHECK (length(domain) BETWEEN 1 AND 253),
  domain_checked_at timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (domain_checked_at IS NULL OR domain IS NOT NULL)
);
