/* contract.h: the root registry contract's creation bytecode, compiled from
 * service/chain/contracts/RootRegistry.sol at build time and embedded in the binary. */
#ifndef DDC_CONTRACT_H
#define DDC_CONTRACT_H

extern const char contract_bytecode_hex[]; /* hex, no 0x */
extern const char contract_solc_version[];

#endif
