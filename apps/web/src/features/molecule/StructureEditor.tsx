// The structure editor (openchemlib's canvas editor through react-ocl). Loaded on demand: openchemlib is the
// largest chunk of the app and most chemists paste SMILES.
import { CanvasMoleculeEditor } from 'react-ocl';

export interface StructureEditorProps {
  /** What to show: pushed only when the change did not come from the editor (pushing resets the drawing). */
  value: { format: 'smiles' | 'molfile'; text: string };
  onChange(smiles: string): void;
}

export default function StructureEditor({ value, onChange }: StructureEditorProps) {
  return (
    <div className="structure-editor" data-testid="structure-editor">
      <CanvasMoleculeEditor
        inputFormat={value.format}
        inputValue={value.text}
        width="100%"
        height={380}
        onChange={(event) => onChange(event.getSmiles())}
      />
    </div>
  );
}
