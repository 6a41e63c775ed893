"""The web console under /console/: dispatch, supervision and the district dashboard."""
