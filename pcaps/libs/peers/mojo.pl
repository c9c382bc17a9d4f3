#!/usr/bin/perl
# Mojolicious (Debian 12: 9.31) WebSocket echo server, as its guide shows it.
# usage: mojo.pl PORT READY_FILE [IDLE_SECONDS]
# MOJO_MAX_WEBSOCKET_SIZE (environment) sets the message size limit (default
# 256 KiB); IDLE_SECONDS sets the connection's inactivity_timeout (Mojolicious'
# default for the daemon is 30 s).  The text "boom" makes the handler die.
# SIGTERM is left to Mojo::Server::Daemon.  The server exits by itself after 60 s.
use Mojolicious::Lite -signatures;
use Mojo::IOLoop;

my ($port, $ready, $idle) = @ARGV;
@ARGV = ();
websocket '/*p' => {p => ''} => sub ($c) {
	$c->inactivity_timeout($idle) if $idle;
	$c->on(message => sub ($c, $msg) {
		die "boom\n" if $msg eq 'boom';
		$c->send($msg);
	});
};
app->log->level('info');
Mojo::IOLoop->timer(0 => sub { open my $f, '>', $ready; close $f });
Mojo::IOLoop->timer(60 => sub { exit 3 });
app->start('daemon', '-l', "http://127.0.0.1:$port");
