/** `ferry render`: the rendered model, in reclass's --nodeinfo / --inventory shapes (YAML or JSON). */
import type { Command } from 'commander';
import { action, addModelOptions, loadModel, type ModelOptions } from '../common.js';

export function register(program: Command): void {
  addModelOptions(
    program
      .command('render')
      .description('render the model as reclass does: one node (--nodeinfo) or the whole inventory (--inventory)')
      .option('--nodeinfo <node>', 'render this node')
      .option('--inventory', 'render every node')
      .option('-o, --output <format>', 'yaml or json', 'yaml'),
  ).action(
    action(async (opts: ModelOptions & { nodeinfo?: string; inventory?: boolean; output: string }) => {
      const { renderInventory, renderNode, toReclassInventory, toReclassNodeinfo } = await import('../../model/index.js');
      const { chooseNode } = await import('../../reconcile/choose-node.js');
      const { files } = await loadModel(opts);
      const value = opts.inventory ? toReclassInventory(renderInventory(files)) : toReclassNodeinfo(renderNode(files, chooseNode(files, opts.nodeinfo ?? opts.node)));
      const { toPyJson, toPyYaml } = await import('../../model/py-output.js');
      process.stdout.write(opts.output === 'json' ? toPyJson(value) + '\n' : toPyYaml(value));
    }),
  );
}
