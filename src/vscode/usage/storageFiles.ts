import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { UsageFiles } from '../../core/usage/store';

/** The usage store's files inside a folder (the extension's global storage), through `vscode.workspace.fs`. */
export class StorageFolderFiles implements UsageFiles {
  private folderReady: Thenable<void> | undefined;

  constructor(private readonly folder: vscode.Uri) {}

  async read(name: string): Promise<string | undefined> {
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(this.uri(name)));
    } catch (error) {
      if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
      throw error;
    }
  }

  async write(name: string, text: string): Promise<void> {
    // The global storage folder does not exist until an extension creates it.
    this.folderReady ??= vscode.workspace.fs.createDirectory(this.folder);
    try {
      await this.folderReady;
    } catch (error) {
      this.folderReady = undefined;
      throw error;
    }
    await vscode.workspace.fs.writeFile(this.uri(name), new TextEncoder().encode(text));
  }

  async rename(from: string, to: string): Promise<void> {
    await vscode.workspace.fs.rename(this.uri(from), this.uri(to), { overwrite: true });
  }

  replaceNow(name: string, text: string): boolean {
    if (this.folder.scheme !== 'file') return false;
    const target = this.uri(name).fsPath;
    const temp = `${target}.final.tmp`;
    fs.mkdirSync(this.folder.fsPath, { recursive: true });
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, target);
    return true;
  }

  private uri(name: string): vscode.Uri {
    return vscode.Uri.joinPath(this.folder, name);
  }
}
