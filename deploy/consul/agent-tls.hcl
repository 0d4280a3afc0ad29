# On every Consul agent that runs gRPC health checks against Novaboxes: the boxes require a mesh
# client certificate, so the agent presents one (issued by the mesh CA for this host).
tls {
  defaults {
    ca_file   = "/etc/novares/mesh/ca.pem"
    cert_file = "/etc/novares/mesh/router.pem"
    key_file  = "/etc/novares/mesh/router-key.pem"
  }
}
