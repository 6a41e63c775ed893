"""The register of partner organisations: social organisations, volunteer teams, patrols."""
