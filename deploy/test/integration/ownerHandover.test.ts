/**
 * Deploying with another owner (`aioracle-deploy --owner`, deployAll({ owner })) on anvil with the real contracts:
 * the deployer wires everything as the AVS account's PermissionController admin (the RewardsVault appointed for the
 * coordinator's operator-directed submissions), then hands over: the new owner is pending on every contract and on
 * the PermissionController, the deployer keeps no right, and once the new owner accepts it manages appointees there
 * directly while the vault's appointment holds.
 */
import { jest } from '@jest/globals';
import { bindings } from '@aioracle/sdk';
import { Wallet, getAddress, parseEther } from 'ethers';
import { buildWorld, type World } from './world.js';

jest.setTimeout(120_000);

/** IRewardsCoordinator.createOperatorDirectedOperatorSetRewardsSubmission: what the vault is appointed for. */
const OPERATOR_DIRECTED_SET_SUBMISSION = '0x0ca29899';

let w: World;
let newOwner: Wallet;

beforeAll(async () => {
  newOwner = new Wallet(Wallet.createRandom().privateKey);
  w = await buildWorld([], { owner: newOwner.address });
  const funder = new Wallet(w.anvil.accounts[1]!.privateKey, w.provider);
  await (await funder.sendTransaction({ to: newOwner.address, value: parseEther('1') })).wait();
});

afterAll(async () => {
  await w?.stop();
});

test('the deployer appoints the vault, then hands the AVS account and every contract over to the new owner', async () => {
  const { avs, core } = w.deployment;
  const deployer = getAddress(w.anvil.accounts[0]!.address);
  const pc = bindings.PermissionController__factory.connect(core.permissionController, w.provider);
  const oracleAddr = getAddress(avs.inferenceOracle);
  expect(avs.rewardsVault).toBeDefined();
  expect(core.rewardsCoordinator).toBeDefined();

  // Before the new owner accepts: the oracle is the only admin, the new owner pending, the deployer gone.
  expect((await pc.getAdmins(oracleAddr)).map(getAddress)).toEqual([oracleAddr]);
  expect((await pc.getPendingAdmins(oracleAddr)).map(getAddress)).toEqual([getAddress(newOwner.address)]);
  expect(await pc.isAdmin(oracleAddr, deployer)).toBe(false);
  // The vault's appointment was made before the handover and holds.
  expect(await pc.canCall(oracleAddr, avs.rewardsVault!, core.rewardsCoordinator!, OPERATOR_DIRECTED_SET_SUBMISSION)).toBe(true);
  // Ownable2Step on the AVS contracts: the new owner is pending, the deployer still owner until it accepts.
  const oracle = bindings.InferenceOracle__factory.connect(oracleAddr, w.provider);
  expect(getAddress(await oracle.pendingOwner())).toBe(getAddress(newOwner.address));

  // The deployer can no longer appoint anyone on the AVS account.
  const asDeployer = pc.connect(new Wallet(w.anvil.accounts[0]!.privateKey, w.provider));
  const stranger = Wallet.createRandom().address;
  await expect(asDeployer.setAppointee(oracleAddr, stranger, core.rewardsCoordinator!, OPERATOR_DIRECTED_SET_SUBMISSION)).rejects.toThrow();

  // The new owner accepts and manages appointees directly on the PermissionController.
  const asOwner = pc.connect(newOwner.connect(w.provider));
  await (await asOwner.acceptAdmin(oracleAddr)).wait();
  expect(await pc.isAdmin(oracleAddr, newOwner.address)).toBe(true);
  await (await asOwner.setAppointee(oracleAddr, stranger, core.rewardsCoordinator!, OPERATOR_DIRECTED_SET_SUBMISSION)).wait();
  expect(await pc.canCall(oracleAddr, stranger, core.rewardsCoordinator!, OPERATOR_DIRECTED_SET_SUBMISSION)).toBe(true);
  await (await asOwner.removeAppointee(oracleAddr, stranger, core.rewardsCoordinator!, OPERATOR_DIRECTED_SET_SUBMISSION)).wait();
  expect(await pc.canCall(oracleAddr, stranger, core.rewardsCoordinator!, OPERATOR_DIRECTED_SET_SUBMISSION)).toBe(false);
  expect(await pc.canCall(oracleAddr, avs.rewardsVault!, core.rewardsCoordinator!, OPERATOR_DIRECTED_SET_SUBMISSION)).toBe(true);
});
