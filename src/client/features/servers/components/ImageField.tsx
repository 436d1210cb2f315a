import type { Catalog } from '../../../../shared/api.ts';
import { Field } from '../../../components/Field.tsx';
import type { TextState } from '../../../components/InputField.tsx';
import { Select } from '../../../components/Select.tsx';

/** The image to build a server from, chosen from the catalogue's. */
export function ImageField({
  images,
  state: [imageId, setImageId],
  error,
  placeholder,
}: {
  images: Pick<Catalog['images'][number], 'id' | 'name'>[];
  state: TextState;
  error: string | undefined;
  placeholder: string;
}) {
  return (
    <Field label="Image" error={error}>
      {(props) => (
        <Select
          {...props}
          value={imageId}
          onValueChange={setImageId}
          placeholder={placeholder}
          options={images.map((image) => ({ value: image.id, label: image.name }))}
        />
      )}
    </Field>
  );
}
