# faye-websocket 0.11 (Debian ruby-faye-websocket) on thin 1.8 (Debian thin,
# EventMachine), the Rack server of its README: an echo endpoint.
#
# usage: ruby faye.rb PORT READY_FILE [maxsize=BYTES]
#   maxsize=N  Faye::WebSocket's max_length option (largest message)
# A text message "boom" makes the message handler raise.  Exits by itself
# after 30 s.
require 'faye/websocket'
require 'thin'

Faye::WebSocket.load_adapter('thin')
port = Integer(ARGV[0])
ready = ARGV[1]
options = {}
ARGV[2..].each do |a|
  options[:max_length] = Integer(a.split('=', 2)[1]) if a.start_with?('maxsize=')
end

app = lambda do |env|
  if Faye::WebSocket.websocket?(env)
    ws = Faye::WebSocket.new(env, nil, options)
    ws.on :message do |event|
      raise 'boom' if event.data == 'boom'
      ws.send(event.data)
    end
    ws.rack_response
  else
    [404, { 'Content-Type' => 'text/plain' }, ['not a WebSocket request']]
  end
end

Thread.new { sleep 30; Process.kill('KILL', Process.pid) }
server = Thin::Server.new('127.0.0.1', port, app, signals: true)
EM.next_tick { File.write(ready, '') }
server.start
