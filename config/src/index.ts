export { AioracleError } from '@aioracle/sdk';
