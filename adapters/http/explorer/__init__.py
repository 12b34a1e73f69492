"""The explorer: a web page on the internal side for OpenSlides developers (pick a user, send a
keys request, watch the stream, ask why a key is (not) visible, write, compare two users), and
the small internal JSON routes it needs beyond the autoupdate and explain routes."""
