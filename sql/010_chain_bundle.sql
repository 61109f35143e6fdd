-- 010_chain_bundle.sql: finding the confirmed chain anchor a proof bundle points to (the newest one
-- whose tree holds the certificate's events and that its checkpoint extends).
CREATE INDEX chain_anchors_confirmed ON chain_anchors (tree_size) WHERE status = 'confirmed';
