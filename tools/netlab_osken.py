"""tools/netlab_osken.py — keel's own OpenFlow 1.3 controller for tools/netlab (os-ken app).

Run by tools/netlab as `osken-manager --ofp-listen-host H --ofp-tcp-listen-port P
tools/netlab_osken.py` (Debian's python3-os-ken). It owns every flow on the switches that
connect to it (br1 on host1 and host2, fail-mode secure): a table-miss flow that sends packets
here, then L2 learning — each packet's source MAC is remembered per switch with its in_port;
a packet to a known MAC gets a flow (in_port, eth_dst -> output) with an idle timeout and is
sent on; one to an unknown MAC is flooded. No STP (the lab's topology has no loops: one
tunnel between two bridges).

NAT with OpenFlow alone, when tools/netlab sets NETLAB_NAT (JSON: the gateway switch's dpid,
its wan port, the NAT address and MAC, the wan host's MAC, the gateway's MAC, the VM and wan
subnets, each VM's IP -> MAC). On that switch only, before L2 learning:
  table 0  VM subnet -> wan subnet:  ct(commit, nat(src=NAT address), table=2)
           wan port, to the NAT address:  ct(nat, table=1)  (conntrack undoes the SNAT)
           wan port, ARP for the NAT address: here, answered with the NAT MAC
           anything else from the wan port: dropped
  table 2  Ethernet rewritten (NAT MAC -> wan host's MAC), out of the wan port
  table 1  misses come here: a flow per VM (Ethernet from the gateway to the VM's MAC, out of
           the port L2 learning found for it) is installed and the packet sent on
The host's kernel does none of it (tools/netlab removes its iptables rules meanwhile).
"""
import ipaddress
import json
import os

from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import arp, ethernet, ipv4, packet
from os_ken.ofproto import ether, ofproto_v1_3

TABLE_MISS_PRIORITY = 0
LEARNED_PRIORITY = 10
NAT_PRIORITY = 100
WAN_DROP_PRIORITY = 90
LEARNED_IDLE_S = 60         # a learned flow goes when unused this long
TABLE_MAIN, TABLE_TO_VM, TABLE_TO_WAN = 0, 1, 2
CT_COMMIT, NAT_SRC = 1, 1   # NXActionCT / NXActionNAT flag bits
NAT = json.loads(os.environ.get("NETLAB_NAT") or "null")


def net_mask(cidr):
    n = ipaddress.ip_network(cidr)
    return str(n.network_address), str(n.netmask)


def ct_action(parser):
    """ct(FLAGS, table=TABLE, NAT_ACTION) in zone 0, as a function of those three."""
    def ct(flags, table, nat):
        return parser.NXActionCT(flags=flags, zone_src="", zone_ofs_nbits=0,
                                 recirc_table=table, alg=0, actions=[nat])
    return ct


class NetlabL2(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.macs = {}      # dpid -> {mac: port}

    @staticmethod
    def add_flow(dp, priority, match, actions, idle=0, table=TABLE_MAIN):
        ofp, parser = dp.ofproto, dp.ofproto_parser
        inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
        dp.send_msg(parser.OFPFlowMod(datapath=dp, table_id=table, priority=priority,
                                      match=match, instructions=inst, idle_timeout=idle))

    @staticmethod
    def is_nat_switch(dp):
        return NAT is not None and dp.id == NAT["dpid"]

    def install_nat(self, dp):
        """The NAT flows of the module comment, on the gateway switch."""
        ofp, parser = dp.ofproto, dp.ofproto_parser
        wan, ip4 = NAT["wan_port"], ether.ETH_TYPE_IP
        ct = ct_action(parser)
        self.add_flow(dp, NAT_PRIORITY, parser.OFPMatch(
            eth_type=ip4, ipv4_src=net_mask(NAT["vm_net"]), ipv4_dst=net_mask(NAT["wan_net"])),
            [ct(CT_COMMIT, TABLE_TO_WAN, parser.NXActionNAT(
                flags=NAT_SRC, range_ipv4_min=NAT["nat_ip"], range_ipv4_max=NAT["nat_ip"]))])
        self.add_flow(dp, NAT_PRIORITY, parser.OFPMatch(in_port=wan, eth_type=ip4,
                                                        ipv4_dst=NAT["nat_ip"]),
                      [ct(0, TABLE_TO_VM, parser.NXActionNAT(flags=0))])
        self.add_flow(dp, NAT_PRIORITY, parser.OFPMatch(
            in_port=wan, eth_type=ether.ETH_TYPE_ARP, arp_tpa=NAT["nat_ip"]),
            [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)])
        self.add_flow(dp, WAN_DROP_PRIORITY, parser.OFPMatch(in_port=wan), [])
        self.add_flow(dp, TABLE_MISS_PRIORITY, parser.OFPMatch(), [
            parser.OFPActionSetField(eth_src=NAT["nat_mac"]),
            parser.OFPActionSetField(eth_dst=NAT["wan_mac"]),
            parser.OFPActionOutput(wan)], table=TABLE_TO_WAN)
        self.add_flow(dp, TABLE_MISS_PRIORITY, parser.OFPMatch(), [
            parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)],
            table=TABLE_TO_VM)

    def to_vm(self, dp, msg, pkt):
        """A reply after un-NAT (table 1 missed): a flow toward its VM, and this packet sent."""
        parser = dp.ofproto_parser
        ip = pkt.get_protocol(ipv4.ipv4)
        mac = NAT["vms"].get(ip.dst) if ip else None
        if mac is None:
            return
        port = self.macs[dp.id].get(mac, dp.ofproto.OFPP_FLOOD)
        actions = [parser.OFPActionSetField(eth_src=NAT["gw_mac"]),
                   parser.OFPActionSetField(eth_dst=mac), parser.OFPActionOutput(port)]
        if port != dp.ofproto.OFPP_FLOOD:
            self.add_flow(dp, LEARNED_PRIORITY, parser.OFPMatch(eth_type=ether.ETH_TYPE_IP,
                                                                ipv4_dst=ip.dst),
                          actions, LEARNED_IDLE_S, table=TABLE_TO_VM)
        self.packet_out(dp, msg, actions)

    def arp_reply(self, dp, msg, pkt):
        """The wan host asks who has the NAT address: the NAT MAC does."""
        req = pkt.get_protocol(arp.arp)
        if req is None or req.opcode != arp.ARP_REQUEST:
            return
        rep = packet.Packet()
        rep.add_protocol(ethernet.ethernet(ethertype=ether.ETH_TYPE_ARP, dst=req.src_mac,
                                           src=NAT["nat_mac"]))
        rep.add_protocol(arp.arp(opcode=arp.ARP_REPLY, src_mac=NAT["nat_mac"],
                                 src_ip=NAT["nat_ip"], dst_mac=req.src_mac, dst_ip=req.src_ip))
        rep.serialize()
        parser, ofp = dp.ofproto_parser, dp.ofproto
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=ofp.OFP_NO_BUFFER,
                                        in_port=ofp.OFPP_CONTROLLER, data=rep.data,
                                        actions=[parser.OFPActionOutput(NAT["wan_port"])]))

    @staticmethod
    def packet_out(dp, msg, actions):
        ofp = dp.ofproto
        data = msg.data if msg.buffer_id == ofp.OFP_NO_BUFFER else None
        dp.send_msg(dp.ofproto_parser.OFPPacketOut(datapath=dp, buffer_id=msg.buffer_id,
                                                   in_port=msg.match["in_port"],
                                                   actions=actions, data=data))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        """A switch connected: every packet no flow matches comes here, whole."""
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        self.macs[dp.id] = {}
        self.add_flow(dp, TABLE_MISS_PRIORITY, parser.OFPMatch(),
                      [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)])
        if self.is_nat_switch(dp):
            self.install_nat(dp)

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        """Learn the source; forward by the destination (a flow when it is known)."""
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match["in_port"]
        pkt = packet.Packet(msg.data)
        eth = pkt.get_protocol(ethernet.ethernet)
        if eth is None:
            return
        if self.is_nat_switch(dp) and msg.table_id == TABLE_TO_VM:
            return self.to_vm(dp, msg, pkt)
        if self.is_nat_switch(dp) and in_port == NAT["wan_port"]:
            return self.arp_reply(dp, msg, pkt)
        table = self.macs.setdefault(dp.id, {})
        table[eth.src] = in_port
        out = table.get(eth.dst, ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out)]
        if out != ofp.OFPP_FLOOD:
            self.add_flow(dp, LEARNED_PRIORITY, parser.OFPMatch(in_port=in_port, eth_dst=eth.dst),
                          actions, LEARNED_IDLE_S)
        self.packet_out(dp, msg, actions)
