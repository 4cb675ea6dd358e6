import test from 'ava';
import { createMemoryRepository } from '../src/store/memory.js';
import { repositoryContract } from './helpers/postgres-contract.js';

repositoryContract(test, { open: async () => createMemoryRepository(), rejectsAfterClose: false });
