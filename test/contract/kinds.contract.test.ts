/** Every kind passes the driver contract (test/contract/driver-contract.ts): one line per kind. */
import { driverContract } from './driver-contract.js';
import { debFixture, fileFixture, gitFixture } from './fixtures.js';
import { debPublicationFixture } from './deb-publication-fixture.js';
import { pypiFixture } from './pypi-fixture.js';
import { rpmFixture } from './rpm-fixture.js';
import { ociFixture } from './oci-fixture.js';

driverContract(fileFixture);
driverContract(debFixture);
driverContract(gitFixture);
driverContract(rpmFixture);
driverContract(ociFixture);
driverContract(pypiFixture);
driverContract(debPublicationFixture);
