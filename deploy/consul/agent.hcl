# The Consul client agent on each router host. Routers talk only to it (CONSUL_HTTP_ADDR=
# 127.0.0.1:8500); it forwards to the servers. No Novabox is registered on it: boxes live in the
# catalog on external nodes (one per province) and the routers probe them themselves, so this
# agent runs no health check against boxes and needs no mesh certificate.
datacenter  = "novares"
node_name   = "router-1"
server      = false
data_dir    = "/var/lib/consul"
bind_addr   = "10.20.0.21"
client_addr = "127.0.0.1"
retry_join  = ["10.20.0.11", "10.20.0.12", "10.20.0.13"]
# Each router holds one blocking query per province (~107) plus two: above Consul's default of
# 200 HTTP connections per client address once two processes share a host (e.g. during a rolling
# restart of the router).
limits { http_max_conns_per_client = 1000 }
