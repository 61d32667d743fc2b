import { ExportLocator } from '../../lib/jobs/export-locator';

describe('ExportLocator', () => {
  class Own {}
  class ReExported {}
  class Hidden {}

  it('finds a class by the file and name that export it, preferring plain exports over re-export getters', () => {
    const barrel = {};
    Object.defineProperty(barrel, 'Own', { enumerable: true, get: () => Own });
    Object.defineProperty(barrel, 'ReExported', { enumerable: true, get: () => ReExported });
    const cache = { '/app/index.js': { exports: barrel }, '/app/own.js': { exports: { Own } } };
    const locator = new ExportLocator(cache);
    expect(locator.find(Own)).toEqual({ file: '/app/own.js', exportName: 'Own', className: 'Own' });
    expect(locator.find(ReExported)).toEqual({
      file: '/app/index.js',
      exportName: 'ReExported',
      className: 'ReExported',
    });
    expect(locator.find(Hidden)).toBeUndefined();
  });

  it('survives throwing getters and does not run getters inside node_modules', () => {
    const lazy = jest.fn(() => Hidden);
    const dependency = {};
    Object.defineProperty(dependency, 'Lazy', { enumerable: true, get: lazy });
    const broken = {};
    Object.defineProperty(broken, 'Boom', {
      enumerable: true,
      get: () => {
        throw new Error('getter');
      },
    });
    const cache = {
      '/app/node_modules/pkg/index.js': { exports: dependency },
      '/app/broken.js': { exports: broken },
      '/app/own.js': { exports: Own },
    };
    const locator = new ExportLocator(cache);
    expect(locator.find(Own)).toEqual({ file: '/app/own.js', exportName: '', className: 'Own' });
    expect(lazy).not.toHaveBeenCalled();
  });
});
