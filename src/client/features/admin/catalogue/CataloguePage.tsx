/**
 * The catalogue: what customers can order (plans, images, locations) and the IP pools servers get their
 * addresses from. One tab each; the tab is in the address (`?tab=images`), so a link or a reload keeps it.
 */
import { useNavigate, useSearch } from '@tanstack/react-router';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/Tabs.tsx';
import { ImagesPanel } from './ImagesPanel.tsx';
import { LocationsPanel } from './LocationsPanel.tsx';
import { PlansPanel } from './PlansPanel.tsx';
import { PoolsPanel } from './PoolsPanel.tsx';

export const catalogueTabs = ['plans', 'images', 'locations', 'ip-pools'] as const;
export type CatalogueTab = (typeof catalogueTabs)[number];

export function isCatalogueTab(value: unknown): value is CatalogueTab {
  return typeof value === 'string' && (catalogueTabs as readonly string[]).includes(value);
}

export function CataloguePage() {
  const search: { tab?: unknown } = useSearch({ strict: false });
  const tab = isCatalogueTab(search.tab) ? search.tab : 'plans';
  const navigate = useNavigate();
  return (
    <section aria-labelledby="catalogue-title" className="space-y-4">
      <div>
        <h2 id="catalogue-title" className="text-lg font-semibold text-slate-900">
          Catalogue
        </h2>
        <p className="mt-0.5 text-sm text-slate-600">
          What customers can order, and the address pools their servers draw from. Retiring an entry closes it
          to new orders; servers that use it keep running.
        </p>
      </div>
      <Tabs
        value={tab}
        onValueChange={(next) => {
          if (isCatalogueTab(next))
            void navigate({ to: '/admin/catalogue', search: { tab: next }, replace: true });
        }}
      >
        <TabsList label="Catalogue">
          <TabsTrigger value="plans">Plans</TabsTrigger>
          <TabsTrigger value="images">Images</TabsTrigger>
          <TabsTrigger value="locations">Locations</TabsTrigger>
          <TabsTrigger value="ip-pools">IP pools</TabsTrigger>
        </TabsList>
        <TabsContent value="plans">
          <PlansPanel />
        </TabsContent>
        <TabsContent value="images">
          <ImagesPanel />
        </TabsContent>
        <TabsContent value="locations">
          <LocationsPanel />
        </TabsContent>
        <TabsContent value="ip-pools">
          <PoolsPanel />
        </TabsContent>
      </Tabs>
    </section>
  );
}
