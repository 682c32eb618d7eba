"""The events hall (活动): roadshows, matchmaking fairs, competitions, forums and training."""
