# One of three Consul servers of Novares (tolerates the loss of one). Same file on each server with
# its own node_name and bind address; retry_join lists the three.
datacenter       = "novares"
node_name        = "consul-1"
server           = true
bootstrap_expect = 3
data_dir         = "/var/lib/consul"
bind_addr        = "10.20.0.11"
client_addr      = "127.0.0.1"
retry_join       = ["10.20.0.11", "10.20.0.12", "10.20.0.13"]
ui_config { enabled = false }
performance { raft_multiplier = 1 }
