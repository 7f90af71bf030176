/** Every kind passes the driver contract (test/contract/driver-contract.ts): one line per kind. */
import { driverContract } from './driver-contract.js';
import { debFixture, fileFixture, gitFixture } from './fixtures.js';

driverContract(fileFixture);
driverContract(debFixture);
driverContract(gitFixture);
