"""The six-week check-in: two intakes of one person compared and one verdict
(``comparison``), and a clinic's batch paired by intake id (``pairing``)."""
