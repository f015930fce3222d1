#pragma once
// `consume --exec CMD --transactional-output TOPIC`: exactly-once processing from the command line. One
// thread reads a batch of records (read_committed, at most --transaction-records, or what arrives in 100 ms),
// and in ONE transaction produces each command's stdout lines to TOPIC (keyed like the input record) and
// commits the batch's input offsets (send_offsets_to_transaction with the group's metadata, so a member
// fenced by a rebalance cannot commit). Either all of a batch's outputs and offsets become visible, or none:
// after a crash or kill the batch is processed again, and read_committed readers of TOPIC see every input's
// output once.
//
// - Commands run one at a time in offset order (the transaction is the unit; --parallel does not apply).
// - A failing command is retried after --backoff up to --max-attempts, then the record goes to the
//   dead-letter topic inside the same transaction (retry topics are not supported in this mode).
// - An abortable transaction error aborts and re-reads the batch; a fatal one (fenced by a newer instance
//   with the same transactional id, or a transaction that outlived transaction.timeout.ms) exits 1.
// - The transactional id is --transactional-id, default "streamdown-<group>-<TOPIC>": give each concurrent
//   instance its own, and a restarted instance the same one (it then fences its predecessor and aborts its
//   open transaction at once instead of waiting for the timeout).

#include "client/consume_engine.h"

namespace sd::client {

int run_transactional_pipe(const consume_options& o);

}  // namespace sd::client
