"""tools/netlab_osken.py — keel's own OpenFlow 1.3 controller for tools/netlab (os-ken app).

Run by tools/netlab as `osken-manager --ofp-listen-host H --ofp-tcp-listen-port P
tools/netlab_osken.py` (Debian's python3-os-ken). It owns every flow on the switches that
connect to it (br1 on host1 and host2, fail-mode secure): a table-miss flow that sends packets
here, then L2 learning — each packet's source MAC is remembered per switch with its in_port;
a packet to a known MAC gets a flow (in_port, eth_dst -> output) with an idle timeout and is
sent on; one to an unknown MAC is flooded. Nothing else: no ARP proxy, no STP (the lab's
topology has no loops: one tunnel between two bridges).
"""
from os_ken.base import app_manager
from os_ken.controller import ofp_event
from os_ken.controller.handler import CONFIG_DISPATCHER, MAIN_DISPATCHER, set_ev_cls
from os_ken.lib.packet import ethernet, packet
from os_ken.ofproto import ofproto_v1_3

TABLE_MISS_PRIORITY = 0
LEARNED_PRIORITY = 10
LEARNED_IDLE_S = 60         # a learned flow goes when unused this long


class NetlabL2(app_manager.OSKenApp):
    OFP_VERSIONS = [ofproto_v1_3.OFP_VERSION]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.macs = {}      # dpid -> {mac: port}

    @staticmethod
    def add_flow(dp, priority, match, actions, idle=0):
        ofp, parser = dp.ofproto, dp.ofproto_parser
        inst = [parser.OFPInstructionActions(ofp.OFPIT_APPLY_ACTIONS, actions)]
        dp.send_msg(parser.OFPFlowMod(datapath=dp, priority=priority, match=match,
                                      instructions=inst, idle_timeout=idle))

    @set_ev_cls(ofp_event.EventOFPSwitchFeatures, CONFIG_DISPATCHER)
    def on_features(self, ev):
        """A switch connected: every packet no flow matches comes here, whole."""
        dp = ev.msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        self.macs[dp.id] = {}
        self.add_flow(dp, TABLE_MISS_PRIORITY, parser.OFPMatch(),
                      [parser.OFPActionOutput(ofp.OFPP_CONTROLLER, ofp.OFPCML_NO_BUFFER)])

    @set_ev_cls(ofp_event.EventOFPPacketIn, MAIN_DISPATCHER)
    def on_packet_in(self, ev):
        """Learn the source; forward by the destination (a flow when it is known)."""
        msg = ev.msg
        dp = msg.datapath
        ofp, parser = dp.ofproto, dp.ofproto_parser
        in_port = msg.match["in_port"]
        eth = packet.Packet(msg.data).get_protocol(ethernet.ethernet)
        if eth is None:
            return
        table = self.macs.setdefault(dp.id, {})
        table[eth.src] = in_port
        out = table.get(eth.dst, ofp.OFPP_FLOOD)
        actions = [parser.OFPActionOutput(out)]
        if out != ofp.OFPP_FLOOD:
            self.add_flow(dp, LEARNED_PRIORITY, parser.OFPMatch(in_port=in_port, eth_dst=eth.dst),
                          actions, LEARNED_IDLE_S)
        data = msg.data if msg.buffer_id == ofp.OFP_NO_BUFFER else None
        dp.send_msg(parser.OFPPacketOut(datapath=dp, buffer_id=msg.buffer_id, in_port=in_port,
                                        actions=actions, data=data))
