//! The cluster every fixture talks to, and the names the clients use for it.
//!
//! Three MSK brokers (ids 1..3) behind TLS on port 9094; topic `orders` with
//! six partitions, partition `p` led by broker `p % 3 + 1`; consumer group
//! `orders-processor`, whose coordinator is broker 2 until a restart moves it.

use crate::rng::Rng;

pub const BROKERS: [u8; 3] = [1, 2, 3];
pub const PARTITIONS: u8 = 6;
pub const TOPIC: &str = "orders";
pub const GROUP: &str = "orders-processor";
const PORT: u16 = 9094;

/// The broker that leads the group's `__consumer_offsets` partition when all
/// brokers are up, i.e. the group coordinator after a preferred-leader
/// election.
pub const HOME_COORDINATOR: u8 = 2;

/// Brokers are numbered 1..=3; this is the index into per-broker arrays.
pub fn index(broker: u8) -> usize {
    usize::from(broker - 1)
}

pub fn host(broker: u8) -> String {
    format!("b-{broker}.demo-cluster.abc123.c2.kafka.us-east-1.amazonaws.com")
}

/// The `InetSocketAddress` text the JDK prints: `hostname/ip:port`.
pub fn socket_address(broker: u8) -> String {
    format!("{}/10.0.{broker}.{}:{PORT}", host(broker), 10 + broker)
}

/// MSK sets `broker.rack` to the AZ id.
pub fn rack(broker: u8) -> &'static str {
    match broker {
        1 => "use1-az1",
        2 => "use1-az2",
        _ => "use1-az4",
    }
}

pub fn leader_of(partition: u8) -> u8 {
    partition % 3 + 1
}

pub fn partitions_led_by(broker: u8) -> impl Iterator<Item = u8> {
    (0..PARTITIONS).filter(move |&p| leader_of(p) == broker)
}

pub fn topic_partition(partition: u8) -> String {
    format!("{TOPIC}-{partition}")
}

/// `AbstractCoordinator` talks to the coordinator on its own connection,
/// under the id `Integer.MAX_VALUE - brokerId`.
pub fn coordinator_id(broker: u8) -> i64 {
    2_147_483_647 - i64::from(broker)
}

/// `Node.toString()` of the coordinator (built without a rack, ≤ 3.9).
pub fn coordinator_node(broker: u8) -> String {
    format!("{}:{PORT} (id: {} rack: null)", host(broker), coordinator_id(broker))
}

/// `Node.toString()` of a broker as the metadata knows it (with its rack).
pub fn broker_node(broker: u8) -> String {
    format!("{}:{PORT} (id: {broker} rack: {})", host(broker), rack(broker))
}

/// The `bootstrap.servers` list as `ConsumerConfig` prints it.
pub fn bootstrap_servers() -> String {
    let hosts: Vec<String> = BROKERS.iter().map(|&b| format!("{}:{PORT}", host(b))).collect();
    format!("[{}]", hosts.join(", "))
}

/// The `bootstrap.servers` list of the given brokers only.
pub fn bootstrap_servers_of(brokers: &[u8]) -> String {
    let hosts: Vec<String> = brokers.iter().map(|&b| format!("{}:{PORT}", host(b))).collect();
    format!("[{}]", hosts.join(", "))
}

/// `Node.toString()` of a `bootstrap.servers` entry before any metadata:
/// the pseudo id `-1, -2, ...` in list order, no rack.
pub fn bootstrap_node(broker: u8, id: i64) -> String {
    format!("{}:{PORT} (id: {id} rack: null)", host(broker))
}

/// The replica list of a three-replica partition led by `leader`: the
/// leader first, then the other brokers in turn.
pub fn replicas_led_by(leader: u8) -> [u8; 3] {
    [leader, leader % 3 + 1, (leader + 1) % 3 + 1]
}

/// A random (version 4) UUID, as in consumer member ids.
pub fn uuid(rng: &mut Rng) -> String {
    let hi = rng.next_u64();
    let lo = rng.next_u64();
    let hi = (hi & !0xF000) | 0x4000;
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xFFFF,
        hi & 0xFFFF,
        lo >> 48,
        lo & 0xFFFF_FFFF_FFFF
    )
}

/// A cluster id: 16 random bytes in URL-safe base64 without padding.
pub fn cluster_id(rng: &mut Rng) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..22)
        .map(|i| {
            // The last character carries only 2 bits of the 128.
            let limit = if i == 21 { 4 } else { 64 };
            char::from(ALPHABET[rng.below(limit) as usize * (64 / limit as usize)])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(socket_address(2), "b-2.demo-cluster.abc123.c2.kafka.us-east-1.amazonaws.com/10.0.2.12:9094");
        assert_eq!(
            coordinator_node(2),
            "b-2.demo-cluster.abc123.c2.kafka.us-east-1.amazonaws.com:9094 (id: 2147483645 rack: null)"
        );
        assert_eq!(partitions_led_by(3).collect::<Vec<_>>(), [2, 5]);
        assert_eq!(replicas_led_by(2), [2, 3, 1]);
        assert_eq!(replicas_led_by(3), [3, 1, 2]);
        assert_eq!(
            bootstrap_node(1, -1),
            "b-1.demo-cluster.abc123.c2.kafka.us-east-1.amazonaws.com:9094 (id: -1 rack: null)"
        );
        let mut rng = Rng::new(3);
        let id = uuid(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_eq!(cluster_id(&mut rng).len(), 22);
    }
}
