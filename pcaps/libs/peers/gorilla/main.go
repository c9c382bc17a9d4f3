// WebSocket echo server on gorilla/websocket (Debian 12:
// golang-github-gorilla-websocket-dev 1.5.0), written the way gorilla's own
// chat example does it: a read deadline renewed by every message and pong,
// pings from a ticker, SetReadLimit for the message size.
//
// usage: gorilla PORT READY_FILE [ping=S] [pongwait=S] [idle=S] [maxsize=N]
//   ping      send a ping every S seconds (pongwait: read deadline, renewed by pongs)
//   idle      read deadline without pings (an idle timeout)
//   maxsize   SetReadLimit
// The text "boom" makes the handler panic.  SIGTERM is left to Go's default
// (the process exits).  The server exits by itself after 60 s.
package main

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	port, ready := os.Args[1], os.Args[2]
	opt := map[string]float64{}
	for _, a := range os.Args[3:] {
		kv := strings.SplitN(a, "=", 2)
		v, _ := strconv.ParseFloat(kv[1], 64)
		opt[kv[0]] = v
	}
	secs := func(k string) time.Duration { return time.Duration(opt[k] * float64(time.Second)) }
	time.AfterFunc(60*time.Second, func() { os.Exit(3) })
	up := websocket.Upgrader{}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		if opt["maxsize"] > 0 {
			c.SetReadLimit(int64(opt["maxsize"]))
		}
		wait := secs("idle")
		if opt["ping"] > 0 {
			wait = secs("pongwait")
			c.SetPongHandler(func(string) error { c.SetReadDeadline(time.Now().Add(wait)); return nil })
			t := time.NewTicker(secs("ping"))
			defer t.Stop()
			go func() {
				for range t.C {
					if c.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
						return
					}
				}
			}()
		}
		for {
			if wait > 0 {
				c.SetReadDeadline(time.Now().Add(wait))
			}
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if string(msg) == "boom" {
				panic("boom")
			}
			if c.WriteMessage(mt, msg) != nil {
				return
			}
		}
	})
	srv := &http.Server{Addr: "127.0.0.1:" + port}
	go func() {
		time.Sleep(200 * time.Millisecond)
		f, _ := os.Create(ready)
		f.Close()
	}()
	srv.ListenAndServe()
}
