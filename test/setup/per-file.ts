// Every integration test file runs against the servers of the global setup; without them it must fail, not skip.
import { testServers } from '../helpers/servers';

testServers();
